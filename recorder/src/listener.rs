//! The I/O shell around [`crate::sip::FrontDoor`]: one UDP socket.

use std::net::SocketAddr;

use tokio::net::UdpSocket;

use crate::sip::{FrontDoor, MAX_MESSAGE};

/// Bind the SIP port (fails early, so `earshot up` can say the port is taken).
pub async fn bind(addr: &str) -> std::io::Result<UdpSocket> {
    UdpSocket::bind(addr).await
}

/// Answer SIP on the socket until the task is dropped.
pub async fn serve(socket: UdpSocket) -> std::io::Result<()> {
    let tag = format!("es{:x}", std::process::id());
    let mut door = FrontDoor::new(tag);
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    loop {
        let (n, from): (usize, SocketAddr) = match socket.recv_from(&mut buf).await {
            Ok(r) => r,
            // ICMP errors surface on the next recv on some systems: keep serving.
            Err(e) => {
                tracing::debug!(error = %e, "SIP receive error");
                continue;
            }
        };
        if let Some(reply) = door.handle(&buf[..n]) {
            if let Err(e) = socket.send_to(&reply, from).await {
                tracing::debug!(%from, error = %e, "could not answer a SIP request");
            }
        }
    }
}
