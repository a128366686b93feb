from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "yiwang.workflow"
    label = "workflow"
    verbose_name = "流程 Processes"

    def ready(self) -> None:
        from yiwang.workflow import checks  # noqa: F401 - registers workflow.W001
