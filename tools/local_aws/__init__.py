"""Slipway local AWS emulator: moto server plus an ECS/ALB data plane."""
