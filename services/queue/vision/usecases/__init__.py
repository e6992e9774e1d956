"""Application logic of the camera side: the cameras of this instance and one camera's frame analysis."""
