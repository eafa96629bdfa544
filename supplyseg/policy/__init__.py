"""Inventory policy statistics: safety stock quantiles for intermittent and lumpy items."""
