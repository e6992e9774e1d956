"""Pure vision logic: geometry, tracking, line counting, zones, footfall windows (no I/O, no OpenCV)."""
