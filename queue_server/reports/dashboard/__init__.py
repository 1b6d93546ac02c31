"""The supervisor dashboard and device health reported by kiosks."""
