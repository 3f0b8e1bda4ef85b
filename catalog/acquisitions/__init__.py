"""Acquisition and accounting: receipts, copies, withdrawal acts, registers, labels.

Follows the Ministry of Culture's accounting instruction (order No. 22 of 03.04.2007):
summary accounting by receipt (КСО parts I-III), individual accounting by inventory number.
"""
