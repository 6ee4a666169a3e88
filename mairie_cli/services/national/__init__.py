"""The national federation's use cases: trusting the departments' associations, receiving
their bundles, the status of France, the national synthesis."""
