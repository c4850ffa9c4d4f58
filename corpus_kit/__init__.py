"""corpus-kit: turn raw web documents into a clean, validated, versioned dataset."""
