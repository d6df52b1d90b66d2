"""The bottom layer: the run vocabulary (plan), the record and meta schemas, the run folder that owns a run's
files, statistics, the document model analyses return, and the facts a run records about its machine,
checkout and package index. It imports nothing else of the harness."""
