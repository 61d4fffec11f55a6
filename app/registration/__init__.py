"""Registration at the KTP-el counter: the visitor, their numbers and their photo."""
