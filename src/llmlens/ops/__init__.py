"""The operations kit: Grafana dashboards, Prometheus alert and recording
rules, and OpenTelemetry Collector configs, shipped as package data and
written out by ``llmlens export dashboards|alerts|collector DIR``."""
