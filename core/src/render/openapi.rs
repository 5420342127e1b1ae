//! Schemas for the types whose JSON forms serde's derive does not describe (a length is a
//! number or a string with a unit; margins are one length or four).

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::{Length, Margins};

impl PartialSchema for Length {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::Number))
                    .description(Some("inches")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .pattern(Some(r"^\s*[0-9.]+\s*(in|mm|cm|px|pt)?\s*$"))
                    .description(Some("a number with a unit: in, mm, cm, px or pt")),
            )
            .description(Some("A length on paper, e.g. 0.5 (inches) or \"12mm\""))
            .into()
    }
}
impl ToSchema for Length {}

impl PartialSchema for Margins {
    fn schema() -> RefOr<Schema> {
        let side = |name: &str| (name.to_owned(), Length::schema());
        let mut sides = ObjectBuilder::new().description(Some("per side; missing sides keep the default"));
        for (name, schema) in ["top", "right", "bottom", "left"].map(side) {
            sides = sides.property(name, schema);
        }
        OneOfBuilder::new()
            .item(Length::schema())
            .item(sides.additional_properties(Some(AdditionalProperties::FreeForm(false))))
            .description(Some(
                "One length for all sides, or an object of sides (default 0.4in each)",
            ))
            .into()
    }
}
impl ToSchema for Margins {}
