
app_name = "licences"

urlpatterns: list = []
