"""Foot-traffic counting from camera feeds (issue 3): camera workers, detectors, tracking and counting.

``domain/`` is pure (values in, values out); ``adapters/`` talk to OpenCV and model files; ``worker.py``
runs one camera in its own process; ``service.py`` supervises the workers beside the queue service;
``router.py`` is the camera configuration API; ``cli.py`` is ``branchops count``. Frames never leave
a worker process (the opt-in debug stream is the one exception, manager role only).
"""
