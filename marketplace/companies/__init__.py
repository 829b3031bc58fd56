"""Company profiles, certificates, verification by the operator and the public directory."""
