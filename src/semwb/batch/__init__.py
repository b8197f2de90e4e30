"""Fitting every model spec of a folder: incremental, parallel, resumable, local or on Dask.

::

    discover   find_specs(folder)            which specs make up the batch
    plan       plan_batch(specs, ...)        load specs, hash data once per dataset, fingerprint
    cache      is_up_to_date / write_*       what is finished; writing a model's folder safely
    lock       output_lock(out)              one batch per output folder
    work       run_task(task, dataset, ...)  what a worker does with one model (never raises)
    executors  LocalExecutor / DaskExecutor  where tasks run
    runner     run_batch(models, out=...)    all of the above, in order
    console    RichEvents, summary_table     the progress display and summary of ``semwb batch``
"""

from __future__ import annotations

from semwb.batch.discover import find_specs
from semwb.batch.runner import BatchEvents, BatchSummary, ModelStatus, run_batch
from semwb.batch.work import Backend

__all__ = ["Backend", "BatchEvents", "BatchSummary", "ModelStatus", "find_specs", "run_batch"]
