"""Running Kulturlots in production: the health checks behind `doctor` and the log format operators read."""
