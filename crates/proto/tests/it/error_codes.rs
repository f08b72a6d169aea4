//! Every ErrorCode of the contract, with its exact wire value, and every one documented.

use chorus_proto::{AudioMixingError, ErrorCode, RtcError};

#[test]
fn error_codes_serialise_to_the_contract_values() {
    let contract = include_str!("../../../../docs/error-codes.md");
    assert_eq!(ErrorCode::ALL.len(), 59);
    for code in ErrorCode::ALL {
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        assert!(
            contract.contains(&format!("`{}`", code.as_str())),
            "docs/error-codes.md does not cover {code}"
        );
    }
    assert_eq!(
        serde_json::to_string(&ErrorCode::AudioDeviceTestFailed).unwrap(),
        "\"AUDIO_DEVICE_RECORD_FAILED\""
    );
}

#[test]
fn audio_mixing_errors_are_numbers() {
    assert_eq!(
        serde_json::to_string(&AudioMixingError::InvalidAudioTrack).unwrap(),
        "9"
    );
    assert_eq!(
        AudioMixingError::from_value(5),
        Some(AudioMixingError::InvalidVolume)
    );
}

#[test]
fn rtc_error_wire_shape() {
    let e = RtcError::new(ErrorCode::InvalidToken, "expired");
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"code":"INVALID_TOKEN","message":"expired"}"#
    );
}
