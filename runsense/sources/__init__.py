"""Live packet sources: BLE sensors through bleak, with link events, reconnects and clear errors."""
