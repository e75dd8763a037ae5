"""Tests of the jury: roster, codes and their delivery, conflicts and recusals."""
