# superqt's image helpers import numpy inside a function the app never calls; without
# this, that one import would put numpy (about 40 MB with its BLAS) into the bundle.
# Only this module's import is ignored: anything else importing numpy still gets it.
excludedimports = ["numpy"]
