"""`shoal bench` parts: synthetic data, index, rounds, project open, throughput, GUI stall."""
