"""Measuring: the framework environments, the worker that runs inside one, the runners that launch workers
(one process at a time, or long-lived in paired trials), the quiet-machine guard and host probes, the numpy
references, and the release sweep. Stands on core and frameworks."""
