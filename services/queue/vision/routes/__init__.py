"""HTTP routes of the camera side: camera configuration and the debug stream."""
