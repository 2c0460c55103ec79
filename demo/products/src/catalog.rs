//! The seeded catalog: 24 products with stable ids, inserted when absent.
//!
//! A product's id is the UUIDv5 of its slug in the namespace [`CATALOG_NAMESPACE`]
//! (`6f1d7c2e-3b0a-4d5e-9a41-8c2f0b7e5d13`), so every installation, database and test knows the same ids:
//! `Uuid::new_v5(&CATALOG_NAMESPACE, slug.as_bytes())`. Prices are euro cents.
//!
//! | slug | id | name | price (cents) | initial stock |
//! |---|---|---|---|---|
//! | `harbour-lantern` | `1069084b-5b05-5b00-931c-bf6b5064c39c` | Harbour lantern | 4900 | 40 |
//! | `tide-clock` | `33364753-5a47-58a3-95d8-bb36dfac2247` | Tide clock | 3900 | 25 |
//! | `storm-jacket` | `4dc4c52b-f68c-5199-81e9-1527f09bd264` | Storm jacket | 18900 | 30 |
//! | `deck-shoes` | `1ed67370-a91b-5572-a2d2-bc8c690d217e` | Deck shoes | 8900 | 50 |
//! | `sailcloth-tote` | `0289e1c1-dd53-5d18-96e7-fea2408badbe` | Sailcloth tote | 3500 | 80 |
//! | `brass-compass` | `3347f57c-99f3-5797-af72-579d40a256d2` | Brass compass | 2900 | 60 |
//! | `rope-hammock` | `c1645b49-2a48-5c90-ac9a-72f7da237e11` | Rope hammock | 7500 | 15 |
//! | `lighthouse-mug` | `67878611-f9f6-5eac-85ce-be3f7628cb44` | Lighthouse mug | 1600 | 120 |
//! | `sea-salt-soap` | `1d042bee-812b-5165-a990-22d4e4695a6e` | Sea salt soap | 700 | 200 |
//! | `driftwood-frame` | `db89ad97-a86f-5e55-8d4f-2afd923e9adb` | Driftwood frame | 2400 | 35 |
//! | `fisherman-sweater` | `0d894fe3-9540-5286-b0e4-05e593d28516` | Fisherman sweater | 12900 | 20 |
//! | `anchor-keyring` | `2a124c7b-337d-53e9-b614-3f413b2c46f9` | Anchor keyring | 900 | 300 |
//! | `nautical-chart-print` | `f04ca990-2cb6-5e4f-a65d-2ccb7b431ce7` | Nautical chart print | 3200 | 45 |
//! | `enamel-camp-plate` | `8a6843a7-6511-56e4-b0c5-02c9a6eafe38` | Enamel camp plate | 1200 | 150 |
//! | `dry-bag` | `435be966-b974-54b5-b2ad-e63ca158dd15` | Dry bag | 2700 | 70 |
//! | `beach-blanket` | `d29028f0-06b3-592c-8dba-5b3d79b77f59` | Beach blanket | 4200 | 40 |
//! | `kelp-seasoning` | `bcbcd119-fd15-5021-be9f-70c102018533` | Kelp seasoning | 650 | 250 |
//! | `buoy-doorstop` | `72cab5ba-14f9-52eb-83ca-547d78bdea2a` | Buoy doorstop | 2800 | 30 |
//! | `signal-flag-bunting` | `0dc15ee9-fc16-550c-9023-3d05c165c594` | Signal flag bunting | 1900 | 90 |
//! | `ship-in-a-bottle` | `55186029-f122-5dcd-818f-c94e295ad2ca` | Ship in a bottle | 6500 | 3 |
//! | `oilskin-hat` | `a4f8beb6-27d1-5a25-a2b0-6c26c93b8ff5` | Oilskin hat | 3400 | 55 |
//! | `canvas-deck-chair` | `caa3b2fd-d643-59bf-aa7c-cde1b58abca1` | Canvas deck chair | 9900 | 12 |
//! | `pocket-tide-table` | `83ea9d76-e319-53b2-b691-59589a4d2aa4` | Pocket tide table | 500 | 500 |
//! | `sea-glass-necklace` | `03945af8-c3ee-5e32-89d2-42256380d211` | Sea glass necklace | 5400 | 18 |
//!
//! Seeding inserts each product whose id is not in the table yet and leaves existing rows
//! (and their stock) alone, so it runs at every start.

use uuid::{Uuid, uuid};

use crate::repository::ProductRepository;
use shop_kit::storage::StorageError;

/// The namespace of the products' UUIDv5 ids.
pub const CATALOG_NAMESPACE: Uuid = uuid!("6f1d7c2e-3b0a-4d5e-9a41-8c2f0b7e5d13");

/// The currency of every seeded price.
pub const CATALOG_CURRENCY: &str = "EUR";

/// One product of the seeded catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The stable, human-readable key the id is derived from.
    pub slug: &'static str,
    /// `Uuid::new_v5(&CATALOG_NAMESPACE, slug)`, written out so that it cannot drift.
    pub id: &'static str,
    /// The display name.
    pub name: &'static str,
    /// One sentence about the product.
    pub description: &'static str,
    /// The price in euro cents.
    pub price: i64,
    /// The stock a new installation starts with.
    pub stock: i64,
}

impl CatalogEntry {
    /// The product id.
    pub fn product_id(&self) -> Uuid {
        Uuid::new_v5(&CATALOG_NAMESPACE, self.slug.as_bytes())
    }
}

/// The seeded products, in the order of the table above.
pub const CATALOG: &[CatalogEntry] = &[
    CatalogEntry {
        slug: "harbour-lantern",
        id: "1069084b-5b05-5b00-931c-bf6b5064c39c",
        name: "Harbour lantern",
        description: "A storm-proof paraffin lantern in galvanised steel.",
        price: 4900,
        stock: 40,
    },
    CatalogEntry {
        slug: "tide-clock",
        id: "33364753-5a47-58a3-95d8-bb36dfac2247",
        name: "Tide clock",
        description: "A wall clock that shows the hours to the next high tide.",
        price: 3900,
        stock: 25,
    },
    CatalogEntry {
        slug: "storm-jacket",
        id: "4dc4c52b-f68c-5199-81e9-1527f09bd264",
        name: "Storm jacket",
        description: "A sealed-seam waterproof jacket with a high collar.",
        price: 18900,
        stock: 30,
    },
    CatalogEntry {
        slug: "deck-shoes",
        id: "1ed67370-a91b-5572-a2d2-bc8c690d217e",
        name: "Deck shoes",
        description: "Leather boat shoes with siped, non-marking soles.",
        price: 8900,
        stock: 50,
    },
    CatalogEntry {
        slug: "sailcloth-tote",
        id: "0289e1c1-dd53-5d18-96e7-fea2408badbe",
        name: "Sailcloth tote",
        description: "A tote bag sewn from recycled Dacron sails.",
        price: 3500,
        stock: 80,
    },
    CatalogEntry {
        slug: "brass-compass",
        id: "3347f57c-99f3-5797-af72-579d40a256d2",
        name: "Brass compass",
        description: "A liquid-damped pocket compass in a brass case.",
        price: 2900,
        stock: 60,
    },
    CatalogEntry {
        slug: "rope-hammock",
        id: "c1645b49-2a48-5c90-ac9a-72f7da237e11",
        name: "Rope hammock",
        description: "A cotton rope hammock with oak spreader bars.",
        price: 7500,
        stock: 15,
    },
    CatalogEntry {
        slug: "lighthouse-mug",
        id: "67878611-f9f6-5eac-85ce-be3f7628cb44",
        name: "Lighthouse mug",
        description: "A stoneware mug glazed with a lighthouse.",
        price: 1600,
        stock: 120,
    },
    CatalogEntry {
        slug: "sea-salt-soap",
        id: "1d042bee-812b-5165-a990-22d4e4695a6e",
        name: "Sea salt soap",
        description: "Cold-process soap with sea salt and seaweed.",
        price: 700,
        stock: 200,
    },
    CatalogEntry {
        slug: "driftwood-frame",
        id: "db89ad97-a86f-5e55-8d4f-2afd923e9adb",
        name: "Driftwood frame",
        description: "A photo frame built from beach-combed driftwood.",
        price: 2400,
        stock: 35,
    },
    CatalogEntry {
        slug: "fisherman-sweater",
        id: "0d894fe3-9540-5286-b0e4-05e593d28516",
        name: "Fisherman sweater",
        description: "A hand-knitted sweater of oiled wool.",
        price: 12900,
        stock: 20,
    },
    CatalogEntry {
        slug: "anchor-keyring",
        id: "2a124c7b-337d-53e9-b614-3f413b2c46f9",
        name: "Anchor keyring",
        description: "A solid brass anchor on a split ring.",
        price: 900,
        stock: 300,
    },
    CatalogEntry {
        slug: "nautical-chart-print",
        id: "f04ca990-2cb6-5e4f-a65d-2ccb7b431ce7",
        name: "Nautical chart print",
        description: "A printed reproduction of a coastal chart, 50 x 70 cm.",
        price: 3200,
        stock: 45,
    },
    CatalogEntry {
        slug: "enamel-camp-plate",
        id: "8a6843a7-6511-56e4-b0c5-02c9a6eafe38",
        name: "Enamel camp plate",
        description: "A chip-resistant enamel plate for the galley.",
        price: 1200,
        stock: 150,
    },
    CatalogEntry {
        slug: "dry-bag",
        id: "435be966-b974-54b5-b2ad-e63ca158dd15",
        name: "Dry bag",
        description: "A roll-top 20 litre bag that keeps gear dry.",
        price: 2700,
        stock: 70,
    },
    CatalogEntry {
        slug: "beach-blanket",
        id: "d29028f0-06b3-592c-8dba-5b3d79b77f59",
        name: "Beach blanket",
        description: "A sand-shedding blanket with corner pockets.",
        price: 4200,
        stock: 40,
    },
    CatalogEntry {
        slug: "kelp-seasoning",
        id: "bcbcd119-fd15-5021-be9f-70c102018533",
        name: "Kelp seasoning",
        description: "Dried kelp flakes with sea salt, 100 g.",
        price: 650,
        stock: 250,
    },
    CatalogEntry {
        slug: "buoy-doorstop",
        id: "72cab5ba-14f9-52eb-83ca-547d78bdea2a",
        name: "Buoy doorstop",
        description: "A painted cast-iron doorstop shaped like a buoy.",
        price: 2800,
        stock: 30,
    },
    CatalogEntry {
        slug: "signal-flag-bunting",
        id: "0dc15ee9-fc16-550c-9023-3d05c165c594",
        name: "Signal flag bunting",
        description: "Five metres of cotton maritime signal flags.",
        price: 1900,
        stock: 90,
    },
    CatalogEntry {
        slug: "ship-in-a-bottle",
        id: "55186029-f122-5dcd-818f-c94e295ad2ca",
        name: "Ship in a bottle",
        description: "A three-masted schooner built inside a bottle.",
        price: 6500,
        stock: 3,
    },
    CatalogEntry {
        slug: "oilskin-hat",
        id: "a4f8beb6-27d1-5a25-a2b0-6c26c93b8ff5",
        name: "Oilskin hat",
        description: "A waxed cotton sou'wester with a brim.",
        price: 3400,
        stock: 55,
    },
    CatalogEntry {
        slug: "canvas-deck-chair",
        id: "caa3b2fd-d643-59bf-aa7c-cde1b58abca1",
        name: "Canvas deck chair",
        description: "A folding beech deck chair with striped canvas.",
        price: 9900,
        stock: 12,
    },
    CatalogEntry {
        slug: "pocket-tide-table",
        id: "83ea9d76-e319-53b2-b691-59589a4d2aa4",
        name: "Pocket tide table",
        description: "A booklet of the year's tide times for the coast.",
        price: 500,
        stock: 500,
    },
    CatalogEntry {
        slug: "sea-glass-necklace",
        id: "03945af8-c3ee-5e32-89d2-42256380d211",
        name: "Sea glass necklace",
        description: "Tumbled sea glass on a sterling silver chain.",
        price: 5400,
        stock: 18,
    },
];

/// Inserts every catalog product that is not in the database yet; returns how many were new.
pub async fn seed_catalog(repository: &ProductRepository) -> Result<u64, StorageError> {
    let inserted = repository.insert_missing(CATALOG).await?;
    tracing::info!(inserted, total = CATALOG.len(), "catalog seeded");
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_ids_are_the_uuidv5_of_their_slugs() {
        for entry in CATALOG {
            assert_eq!(entry.id, entry.product_id().to_string(), "{}", entry.slug);
        }
    }

    #[test]
    fn the_documented_table_lists_every_product() {
        let source = include_str!("catalog.rs");
        for entry in CATALOG {
            let row = format!(
                "//! | `{}` | `{}` | {} | {} | {} |",
                entry.slug, entry.id, entry.name, entry.price, entry.stock
            );
            assert!(source.contains(&row), "missing doc row for {}", entry.slug);
        }
    }

    #[test]
    fn slugs_and_names_are_unique_and_there_are_at_least_twenty() {
        let slugs: std::collections::HashSet<_> = CATALOG.iter().map(|entry| entry.slug).collect();
        let names: std::collections::HashSet<_> = CATALOG.iter().map(|entry| entry.name).collect();
        assert_eq!(slugs.len(), CATALOG.len());
        assert_eq!(names.len(), CATALOG.len());
        assert!(CATALOG.len() >= 20);
        assert!(
            CATALOG
                .iter()
                .all(|entry| entry.price > 0 && entry.stock >= 0)
        );
    }
}
