"""A Hydra launcher that runs a multirun's jobs as Ray tasks (``hydra/launcher=ray``)."""
