"""vsr_app: x4 video super-resolution and x2 frame interpolation with distilled compact models."""

__version__ = "0.1.0"
APP_NAME = "vsr-app"
