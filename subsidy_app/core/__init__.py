"""What every domain shares: database types, money, errors, permissions, audit, i18n."""
