"""Geometry layer (host-side numpy): shapes, set operations, space-time, time intervals, samplers.

Imports nothing from the rest of pinnjax.
"""

from .base import AbstractDomain, AbstractGeometry, Difference, Intersection, Union
from .sampling import SAMPLERS, PointSet
from .shapes import Box, Disk, Interval, Polygon, Rectangle, lshape
from .spacetime import AbstractTimeDomain, SpaceTime, TimeInterval

__all__ = ["AbstractDomain", "AbstractTimeDomain", "AbstractGeometry", "Box", "Difference", "Disk", "Intersection", "Interval", "Polygon",
           "PointSet", "Rectangle", "SAMPLERS", "SpaceTime", "TimeInterval", "Union", "lshape"]
