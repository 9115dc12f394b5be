"""ISCE2 topsStack: the stackSentinel.py command, finding ISCE2, and the local command executor.

docs/isce.md describes the options, the command records and the decisions taken here.
"""
