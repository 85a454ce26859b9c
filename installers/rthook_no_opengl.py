"""Frozen app only: stand-ins for PySide6.QtOpenGL and QtOpenGLWidgets, which the bundle leaves out.

pyqtgraph imports both when its plot items are imported, for its optional
OpenGL drawing, which the console never turns on (``useOpenGL`` stays off). The
two bindings would add about 2 MB to a download that must stay under 100 MB
(docs/bundle.md). The stand-ins give pyqtgraph what it touches at import time
(a widget class to derive from); anything else raises, naming the missing
module, so a future use of OpenGL fails loudly instead of drawing nothing.
"""

import sys
import types


def _stand_in(name, **members):
    module = types.ModuleType(name)
    module.__dict__.update(members)

    def missing(attr):
        raise AttributeError(f"{name}.{attr}: Qt's OpenGL modules are not in this build")

    module.__getattr__ = missing
    return module


def _install():
    try:
        import PySide6.QtOpenGL  # noqa: F401 - a build that has them uses them
        return
    except ImportError:
        pass
    from PySide6 import QtWidgets

    sys.modules["PySide6.QtOpenGL"] = _stand_in("PySide6.QtOpenGL")
    sys.modules["PySide6.QtOpenGLWidgets"] = _stand_in("PySide6.QtOpenGLWidgets", QOpenGLWidget=QtWidgets.QWidget)


_install()
