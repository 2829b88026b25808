// What both ends of a call with a colleague share: the best local media a browser may use, and what has
// arrived so far. Served with the kiosk page; the expert console imports it from there.

/** Camera and microphone, else the microphone only, else nothing: {stream, mode: video|audio|none}. */
export async function localMedia() {
  if (!navigator.mediaDevices?.getUserMedia) return { stream: null, mode: "none" };
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: true }), mode: "video" };
  } catch {
    try {
      return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), mode: "audio" };
    } catch {
      return { stream: null, mode: "none" };
    }
  }
}

/** Bytes received per kind and the route of the selected candidate pair ("host", "srflx", "relay"). */
export async function mediaStats(pc) {
  const out = { audio: 0, video: 0, route: null };
  if (!pc) return out;
  const report = await pc.getStats();
  let pair = null;
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind in out) out[s.kind] += s.bytesReceived || 0;
    if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  });
  if (pair) out.route = report.get(pair.localCandidateId)?.candidateType || null;
  return out;
}
