"""What every API endpoint shares: authentication, permissions, errors, paging, retries, limits."""
