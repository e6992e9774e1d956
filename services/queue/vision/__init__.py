"""Foot-traffic counting from camera feeds (issue 3): camera workers, detectors, tracking and counting.

Laid out like a service (docs/adr/0005-service-shape.md): ``app.py`` is the camera-only ASGI entry and
``bootstrap.py`` builds the adapters (also for the queue service's app); ``settings.py`` holds
``VisionSettings``; ``routes/`` (with ``routes/deps.py``) is the camera configuration API and the debug
stream; ``usecases/`` has ``cameras.py`` (the cameras' configurations and the supervision of their worker
processes) and ``analysis.py`` (one camera's frame analysis); ``domain/`` is pure: the camera configuration,
the worker messages, geometry, tracking, counting, health; ``adapters/`` read YAML camera files, keep
configs in Redis, stage events, and talk to OpenCV and model files. ``worker.py`` is the entry point of a
camera's own process and ``cli.py`` is ``branchops count``. The workers send ``StatusReport`` and
``FootfallWindow`` values, never frames (the opt-in debug stream is the one exception, manager role only).
"""
