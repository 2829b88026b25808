"""WebRTC support on the server: ICE servers (STUN/TURN) for the kiosk and the expert console."""
