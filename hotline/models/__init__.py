from .owner import Gender, Owner, Vehicle, VehicleUse

__all__ = ["Gender", "Owner", "Vehicle", "VehicleUse"]
