"""Geometry layer (host-side numpy): shapes, set operations, space-time, samplers.

Imports nothing from the rest of pinnjax.
"""

from .base import AbstractDomain, AbstractGeometry, Difference, Intersection, Union
from .sampling import SAMPLERS, PointSet
from .shapes import Box, Disk, Interval, Polygon, Rectangle, lshape
from .spacetime import SpaceTime

__all__ = ["AbstractDomain", "AbstractGeometry", "Box", "Difference", "Disk", "Intersection", "Interval", "Polygon",
           "PointSet", "Rectangle", "SAMPLERS", "SpaceTime", "Union", "lshape"]
