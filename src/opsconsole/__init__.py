"""opsconsole: a desktop operations console for an ML platform on AWS."""

__version__ = "0.1.0"
