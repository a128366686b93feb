from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "yiwang.evaluation"
    label = "evaluation"
    verbose_name = "好差评 Evaluation"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from yiwang.evaluation.signals import case_saved

        post_save.connect(case_saved, sender="cases.Case", dispatch_uid="evaluation_case_saved")
