"""The chaos harness (run.py): real dispatch processes, a faulty fake Twilio, kills."""

from tests.chaos.processes import Worker, database_url, worker_env
from tests.chaos.report import ChaosReport
from tests.chaos.run import ChaosConfig, ChaosRun, plan_messages

__all__ = [
    "ChaosConfig",
    "ChaosReport",
    "ChaosRun",
    "Worker",
    "database_url",
    "plan_messages",
    "worker_env",
]
