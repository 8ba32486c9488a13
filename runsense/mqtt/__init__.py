"""MQTT: publish live sessions (MqttSink) and log them (runsense log)."""
