//! Program-derived addresses of `camera_network` (spec §5.2).

use solana_sdk::pubkey::Pubkey;

/// The registry: `["camera-registry"]`.
pub fn registry_address(program: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"camera-registry"], program)
}

/// A camera: `["camera", name, owner]`. Seeds are at most 32 bytes each, so `None` for a
/// longer name (the program cannot have registered it).
pub fn camera_address(program: &Pubkey, name: &str, owner: &Pubkey) -> Option<(Pubkey, u8)> {
    Pubkey::try_find_program_address(&[b"camera", name.as_bytes(), owner.as_ref()], program)
}

/// A user's session at a camera: `["session", user, camera]`.
pub fn session_address(program: &Pubkey, user: &Pubkey, camera: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"session", user.as_ref(), camera.as_ref()], program)
}

/// A user's face data: `["face-nft", user]`.
pub fn face_data_address(program: &Pubkey, user: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"face-nft", user.as_ref()], program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_registry_of_the_spec() {
        let program = Pubkey::from_str(crate::program::DEFAULT_PROGRAM_ID).unwrap();
        let (address, bump) = registry_address(&program);
        assert_eq!(
            address.to_string(),
            "3HGZ3wDdGyd1DKS5P8bKX8TjFCKe1dJycsZnZSTnMLQG"
        );
        assert_eq!(bump, 254);
    }

    #[test]
    fn sessions_differ_by_user_and_camera() {
        let program = Pubkey::new_unique();
        let (user, camera) = (Pubkey::new_unique(), Pubkey::new_unique());
        let session = session_address(&program, &user, &camera).0;
        assert!(!session.is_on_curve());
        assert_ne!(session, session_address(&program, &camera, &user).0);
        assert_ne!(session, face_data_address(&program, &user).0);
        assert!(camera_address(&program, &"x".repeat(33), &user).is_none());
    }
}
