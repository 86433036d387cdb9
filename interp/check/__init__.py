"""`interp check`: validation that catches what fly validate-pipeline would."""
