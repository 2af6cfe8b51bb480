"""Provider API clients, one module per provider, behind `esign.providers.base.Provider`."""
