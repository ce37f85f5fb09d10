"""hailong: citizen feedback kiosks and the hub that turns their ratings into SIPAS scores."""

__version__ = "0.1.0"
