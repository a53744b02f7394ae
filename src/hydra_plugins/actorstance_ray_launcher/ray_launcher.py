"""Hydra launcher on Ray: each job of a multirun is a Ray task, on a local Ray that starts and
stops with the sweep or on a cluster (``address``).

The published ``hydra-ray-launcher`` pins ``cloudpickle<3``, which would downgrade what joblib and
mlflow use here; this launcher is the joblib launcher's loop with Ray tasks in place of joblib's
processes. Each task rebuilds its job's config from the overrides and calls Hydra's ``run_job``, as
every launcher does; a job's own failure is recorded by ``train.py`` (``error.json``) and the sweep
goes on; a task whose worker died (killed, out of memory) is reported as a failed job once the
others are done.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)


@dataclass
class RayLauncherConf:
    _target_: str = "hydra_plugins.actorstance_ray_launcher.ray_launcher.RayLauncher"
    address: Optional[str] = None  # a running cluster ("auto", "ray://host:10001"); null: a local Ray for the sweep
    num_cpus: Optional[int] = None  # the local Ray's CPUs (null: all); ignored with an address
    cpus_per_job: float = 1.0  # CPUs Ray reserves for each job: at most num_cpus / cpus_per_job jobs at once
    max_retries: int = 0  # times a job is rerun after its worker died (not after the job's own error)


ConfigStore.instance().store(group="hydra/launcher", name="actorstance_ray", node=RayLauncherConf,
                             provider="actorstance")


def execute_job(idx: int, overrides: Sequence[str], hydra_context: HydraContext, config: DictConfig,
                task_function: TaskFunction, singleton_state: dict[Any, Any]) -> JobReturn:
    """One job, in a Ray worker: Hydra's state (with the resolvers) as in the driver, the job's config."""
    from hydra.core.hydra_config import HydraConfig

    setup_globals()
    Singleton.set_state(singleton_state)
    sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    HydraConfig.instance().set_config(sweep_config)
    return run_job(hydra_context=hydra_context, config=sweep_config, task_function=task_function,
                   job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")


class RayLauncher(Launcher):
    def __init__(self, address: Optional[str] = None, num_cpus: Optional[int] = None, cpus_per_job: float = 1.0,
                 max_retries: int = 0) -> None:
        self.address, self.num_cpus, self.cpus_per_job, self.max_retries = address, num_cpus, cpus_per_job, max_retries
        self.config: Optional[DictConfig] = None
        self.task_function: Optional[TaskFunction] = None
        self.hydra_context: Optional[HydraContext] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.task_function, self.hydra_context = config, task_function, hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        import ray

        assert self.config is not None and self.task_function is not None and self.hydra_context is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=self.address, num_cpus=None if self.address else self.num_cpus,
                     include_dashboard=False, log_to_driver=True)
        log.info("Ray (%s) is launching %d jobs, %s CPU each; sweep output dir: %s",
                 self.address or "local", len(job_overrides), self.cpus_per_job, sweep_dir)
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#%d : %s", initial_job_idx + idx, " ".join(filter_overrides(overrides)))
        remote = ray.remote(num_cpus=self.cpus_per_job, max_retries=self.max_retries)(execute_job)
        state = Singleton.get_state()
        try:
            refs = [remote.remote(initial_job_idx + idx, list(overrides), self.hydra_context, self.config,
                                  self.task_function, state) for idx, overrides in enumerate(job_overrides)]
            returns = []
            for idx, ref in enumerate(refs):
                try:
                    returns.append(ray.get(ref))
                except (ray.exceptions.RayError, OSError) as exc:  # the worker died: this job failed, not the others
                    log.error("job %d failed in Ray: %s", initial_job_idx + idx, exc)
                    ret = JobReturn(overrides=list(job_overrides[idx]), status=JobStatus.FAILED)
                    ret.return_value = exc
                    returns.append(ret)
            return returns
        finally:
            if started_here:
                ray.shutdown()
