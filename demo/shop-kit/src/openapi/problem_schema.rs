//! The OpenAPI schema of [`Problem`], the body of every error answer.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::AdditionalProperties};
use utoipa::{PartialSchema, ToSchema};

use crate::problem::{FieldError, Problem};

/// The members of a problem document as utoipa sees them. `Problem` serialises through a
/// boxed, flattened struct with a custom status, which utoipa cannot derive; this mirror
/// has the same JSON shape.
#[derive(ToSchema)]
#[allow(dead_code)] // read by utoipa only
struct ProblemMembers {
    /// A URI that identifies the problem type; `about:blank` when the status says it all.
    #[schema(rename = "type")]
    type_uri: String,
    /// A short summary of the problem type.
    title: String,
    /// The HTTP status code.
    #[schema(minimum = 100, maximum = 599)]
    status: u16,
    /// What happened in this occurrence.
    detail: Option<String>,
    /// The path of the request that failed.
    instance: Option<String>,
    /// The invalid fields of a 422.
    errors: Option<Vec<FieldError>>,
}

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        let RefOr::T(Schema::Object(members)) = ProblemMembers::schema() else {
            // The derive always makes an inline object for a struct with named fields.
            return ObjectBuilder::new().schema_type(Type::Object).into();
        };
        // Extension members (`payment_id`, `retry_after`, ...) may follow.
        let mut object = members;
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(true)));
        object.description = Some(
            "An RFC 9457 problem (application/problem+json); services add extension members."
                .to_owned(),
        );
        object.required = vec!["type".to_owned(), "title".to_owned(), "status".to_owned()];
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Problem")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldError::name().into_owned(), FieldError::schema()));
    }
}
