"""The customer's phone (`/m`): sign in with an SMS code, book a branch slot, prepare a journey's form at
home and finish it at the branch with a QR code, and follow bookings and receipts live."""
