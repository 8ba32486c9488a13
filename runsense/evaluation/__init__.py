"""Offline evaluation against ground truth; the live path must never import this package.

It sees whole trials and the truth, which a real-time analyser cannot, so keeping it
apart stops scoring shortcuts from leaking into what runners get.
"""
