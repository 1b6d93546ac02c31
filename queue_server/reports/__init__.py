"""What supervisors read: statistics and 766 indicators, the dashboard."""
