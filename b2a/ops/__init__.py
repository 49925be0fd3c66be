"""Operating the appliance: the health checks behind `b2a doctor`."""
