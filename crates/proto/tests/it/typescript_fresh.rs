//! The checked-in TypeScript twin of the protocol must match what this crate generates.

use std::path::PathBuf;

#[test]
fn generated_typescript_is_fresh() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/src/generated/protocol.ts");
    let fresh = chorus_proto::typescript_module();
    if std::env::var_os("CHORUS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is stale: run `CHORUS_BLESS=1 cargo test -p chorus-proto` and commit it",
        path.display()
    );
}
