"""The province server: every site's shipped logs in PostgreSQL, one dashboard over all sites."""
