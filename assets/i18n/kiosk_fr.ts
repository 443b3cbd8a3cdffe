<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en_GB">
<context>
    <name>AttractScreen</name>
    <message>
        <source>Today</source>
        <translation>Aujourd’hui</translation>
    </message>
    <message>
        <source>Touch to discover your scent</source>
        <translation>Touchez l’écran pour découvrir votre parfum</translation>
    </message>
</context>
<context>
    <name>BrowseScreen</name>
    <message>
        <source>Discover our scents</source>
        <translation>Découvrez nos parfums</translation>
    </message>
    <message>
        <source>Choose a scent family, or let us find your scent in three questions.</source>
        <translation>Choisissez une famille olfactive, ou trouvons votre parfum en trois questions.</translation>
    </message>
    <message>
        <source>All scents</source>
        <translation>Tous les parfums</translation>
    </message>
    <message>
        <source>Find my scent</source>
        <translation>Trouver mon parfum</translation>
    </message>
    <message>
        <source>from</source>
        <translation>à partir de</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>Épuisé</translation>
    </message>
    <message>
        <source>Nothing in this family right now. Try another one.</source>
        <translation>Rien dans cette famille pour le moment. Essayez-en une autre.</translation>
    </message>
</context>
<context>
    <name>CheckoutScreen</name>
    <message>
        <source>Your order</source>
        <translation>Votre commande</translation>
    </message>
    <message>
        <source>Pay by card</source>
        <translation>Payer par carte</translation>
    </message>
    <message>
        <source>Pay with points</source>
        <translation>Payer avec mes points</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>List price</source>
        <translation>Prix initial</translation>
    </message>
    <message>
        <source>Loyalty points</source>
        <translation>Points fidélité</translation>
    </message>
    <message>
        <source>Tax %1</source>
        <translation>Taxe %1</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>incl. VAT %1: %2</source>
        <translation>dont TVA %1&#xa0;: %2</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1&#xa0;%</translation>
    </message>
    <message>
        <source>Member: %1 · %2</source>
        <translation>Membre&#xa0;: %1 · %2</translation>
    </message>
    <message>
        <source>You earn 1 point with this purchase.</source>
        <translation>Vous gagnez 1 point avec cet achat.</translation>
    </message>
    <message numerus="yes">
        <source>You earn %n points with this purchase.</source>
        <translation>
            <numerusform>Vous gagnez %n point avec cet achat.</numerusform>
            <numerusform>Vous gagnez %n points avec cet achat.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>You have %1 points</source>
        <translation>
            <numerusform>Vous avez %1 point</numerusform>
            <numerusform>Vous avez %1 points</numerusform>
        </translation>
    </message>
    <message>
        <source>Don&apos;t use my points</source>
        <translation>Ne pas utiliser mes points</translation>
    </message>
    <message numerus="yes">
        <source>Use %1 points (%2)</source>
        <translation>
            <numerusform>Utiliser %1 point (%2)</numerusform>
            <numerusform>Utiliser %1 points (%2)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DateStepper</name>
    <message>
        <source>Day</source>
        <translation>Jour</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>Mois</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>Année</translation>
    </message>
</context>
<context>
    <name>DiagnosticsSection</name>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Sales per hour today</source>
        <translation>Ventes par heure aujourd’hui</translation>
    </message>
    <message>
        <source>Spray channel levels</source>
        <translation>Niveaux des canaux de vaporisation</translation>
    </message>
    <message>
        <source>Events waiting to be sent, last 24 hours</source>
        <translation>Événements en attente d’envoi, dernières 24 heures</translation>
    </message>
    <message>
        <source>Network and sync</source>
        <translation>Réseau et synchronisation</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Périphériques</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>Versions</translation>
    </message>
    <message>
        <source>Recent faults</source>
        <translation>Défauts récents</translation>
    </message>
    <message>
        <source>No data yet</source>
        <translation>Pas encore de données</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Updated at %1</source>
        <translation>Mis à jour à %1</translation>
    </message>
    <message>
        <source>Software</source>
        <translation>Logiciel</translation>
    </message>
    <message>
        <source>Catalog</source>
        <translation>Catalogue</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protocole</translation>
    </message>
    <message>
        <source>Device ID</source>
        <translation>Identifiant de la machine</translation>
    </message>
    <message>
        <source>Ledger epoch</source>
        <translation>Époque du registre</translation>
    </message>
    <message>
        <source>No fault since the kiosk started.</source>
        <translation>Aucun défaut depuis le démarrage de la borne.</translation>
    </message>
    <message numerus="yes">
        <source>%n sale(s) today, %1 in total.</source>
        <translation>
            <numerusform>%n vente aujourd’hui, %1 au total.</numerusform>
            <numerusform>%n ventes aujourd’hui, %1 au total.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n channel(s) running low.</source>
        <translation>
            <numerusform>%n canal presque vide.</numerusform>
            <numerusform>%n canaux presque vides.</numerusform>
        </translation>
    </message>
    <message>
        <source>24 h ago</source>
        <translation>il y a 24 h</translation>
    </message>
    <message>
        <source>12 h ago</source>
        <translation>il y a 12 h</translation>
    </message>
    <message>
        <source>now</source>
        <translation>maintenant</translation>
    </message>
    <message numerus="yes">
        <source>%n event(s) waiting now.</source>
        <translation>
            <numerusform>%n événement en attente.</numerusform>
            <numerusform>%n événements en attente.</numerusform>
        </translation>
    </message>
    <message>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <source>no</source>
        <translation>non</translation>
    </message>
    <message>
        <source>oldest %1 s</source>
        <translation>le plus ancien&#xa0;: %1 s</translation>
    </message>
    <message>
        <source>nothing waiting</source>
        <translation>rien en attente</translation>
    </message>
    <message>
        <source>Connected to the middleware</source>
        <translation>Connecté au middleware</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>File d’attente</translation>
    </message>
    <message numerus="yes">
        <source>%n event(s), %1</source>
        <translation>
            <numerusform>%n événement, %1</numerusform>
            <numerusform>%n événements, %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Last acknowledged</source>
        <translation>Dernier acquitté</translation>
    </message>
    <message>
        <source>event %1 of %2</source>
        <translation>événement %1 sur %2</translation>
    </message>
    <message>
        <source>Retransmits</source>
        <translation>Retransmissions</translation>
    </message>
    <message>
        <source>Reconnects</source>
        <translation>Reconnexions</translation>
    </message>
    <message>
        <source>Sales paused (outbox full)</source>
        <translation>Ventes suspendues (file d’envoi pleine)</translation>
    </message>
</context>
<context>
    <name>DispensingScreen</name>
    <message>
        <source>Hold your wrist under the nozzle</source>
        <translation>Placez votre poignet sous le diffuseur</translation>
    </message>
    <message>
        <source>Keep still for a moment: %1</source>
        <translation>Ne bougez pas un instant&#xa0;: %1</translation>
    </message>
    <message>
        <source>Keep still for a moment.</source>
        <translation>Ne bougez pas un instant.</translation>
    </message>
    <message>
        <source>Your bottle is on its way</source>
        <translation>Votre flacon arrive</translation>
    </message>
    <message>
        <source>Collect it from the tray below when it arrives.</source>
        <translation>Récupérez-le dans le bac ci-dessous dès qu’il arrive.</translation>
    </message>
    <message>
        <source>Seconds left</source>
        <translation>Secondes restantes</translation>
    </message>
    <message>
        <source>Almost done…</source>
        <translation>C’est presque fini…</translation>
    </message>
    <message>
        <source>Spraying…</source>
        <translation>Vaporisation en cours…</translation>
    </message>
    <message>
        <source>On its way…</source>
        <translation>En route…</translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Merci&#x202f;!</translation>
    </message>
    <message>
        <source>Please take your bottle from the tray below.</source>
        <translation>Veuillez prendre votre flacon dans le bac ci-dessous.</translation>
    </message>
    <message>
        <source>Enjoy your scent.</source>
        <translation>Profitez bien de votre parfum.</translation>
    </message>
    <message>
        <source>Charged %1 to card •••• %2</source>
        <translation>%1 débités sur la carte •••• %2</translation>
    </message>
    <message>
        <source>Charged %1 to your card</source>
        <translation>%1 débités sur votre carte</translation>
    </message>
    <message>
        <source>%1, you earned 1 point.</source>
        <translation>%1, vous avez gagné 1 point.</translation>
    </message>
    <message numerus="yes">
        <source>%1, you earned %n points.</source>
        <translation>
            <numerusform>%1, vous avez gagné %n point.</numerusform>
            <numerusform>%1, vous avez gagné %n points.</numerusform>
        </translation>
    </message>
    <message>
        <source>E-receipt QR code</source>
        <translation>QR code du reçu électronique</translation>
    </message>
    <message>
        <source>Scan for your e-receipt</source>
        <translation>Scannez pour obtenir votre reçu électronique</translation>
    </message>
    <message>
        <source>We&apos;re sorry</source>
        <translation>Nous sommes désolés</translation>
    </message>
    <message>
        <source>Please keep this reference if you contact us.</source>
        <translation>Conservez cette référence si vous nous contactez.</translation>
    </message>
    <message>
        <source>You will not be charged for this purchase.</source>
        <translation>Cet achat ne vous sera pas facturé.</translation>
    </message>
    <message>
        <source>Reference: %1</source>
        <translation>Référence&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>ErrorOverlay</name>
    <message>
        <source>Something went wrong</source>
        <translation>Un problème est survenu</translation>
    </message>
    <message>
        <source>Touch to continue</source>
        <translation>Touchez l’écran pour continuer</translation>
    </message>
</context>
<context>
    <name>Families</name>
    <message>
        <source>Floral</source>
        <translation>Floral</translation>
    </message>
    <message>
        <source>Woody</source>
        <translation>Boisé</translation>
    </message>
    <message>
        <source>Fresh</source>
        <translation>Frais</translation>
    </message>
    <message>
        <source>Amber</source>
        <translation>Ambré</translation>
    </message>
    <message>
        <source>Citrus</source>
        <translation>Agrumes</translation>
    </message>
    <message>
        <source>Gourmand</source>
        <translation>Gourmand</translation>
    </message>
</context>
<context>
    <name>FinderScreen</name>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Find my scent</source>
        <translation>Trouver mon parfum</translation>
    </message>
    <message>
        <source>Question %1 of %2</source>
        <translation>Question %1 sur %2</translation>
    </message>
    <message>
        <source>No preference</source>
        <translation>Sans préférence</translation>
    </message>
    <message>
        <source>Chosen for you</source>
        <translation>Sélectionnés pour vous</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>Recommencer</translation>
    </message>
    <message>
        <source>Best match</source>
        <translation>Idéal pour vous</translation>
    </message>
    <message>
        <source>from</source>
        <translation>à partir de</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>Épuisé</translation>
    </message>
</context>
<context>
    <name>Header</name>
    <message>
        <source>Normal text</source>
        <translation>Texte normal</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>Grand texte</translation>
    </message>
    <message>
        <source>Controls back to normal</source>
        <translation>Commandes à leur place habituelle</translation>
    </message>
    <message>
        <source>Controls within reach</source>
        <translation>Commandes à portée de main</translation>
    </message>
    <message>
        <source>Change language</source>
        <translation>Changer de langue</translation>
    </message>
</context>
<context>
    <name>IdlePrompt</name>
    <message>
        <source>Still there?</source>
        <translation>Vous êtes toujours là&#x202f;?</translation>
    </message>
    <message numerus="yes">
        <source>We will start over in %n second(s).</source>
        <translation>
            <numerusform>Retour à l’accueil dans %n seconde.</numerusform>
            <numerusform>Retour à l’accueil dans %n secondes.</numerusform>
        </translation>
    </message>
    <message>
        <source>Yes, I&apos;m here</source>
        <translation>Oui, je suis là</translation>
    </message>
</context>
<context>
    <name>ItemList</name>
    <message>
        <source>Spray channels</source>
        <translation>Canaux de vaporisation</translation>
    </message>
    <message>
        <source>Bottle slots</source>
        <translation>Emplacements de flacons</translation>
    </message>
    <message>
        <source>Channel %1 · %2</source>
        <translation>Canal %1 · %2</translation>
    </message>
    <message numerus="yes">
        <source>%1 · about %n spray(s) left</source>
        <translation>
            <numerusform>%1 · environ %n vaporisation restante</numerusform>
            <numerusform>%1 · environ %n vaporisations restantes</numerusform>
        </translation>
    </message>
    <message>
        <source>Slot %1 · %2</source>
        <translation>Emplacement %1 · %2</translation>
    </message>
    <message numerus="yes">
        <source>%n bottle(s) of %1 ml</source>
        <translation>
            <numerusform>%n flacon de %1 ml</numerusform>
            <numerusform>%n flacons de %1 ml</numerusform>
        </translation>
    </message>
    <message>
        <source>expires %1</source>
        <translation>expire le %1</translation>
    </message>
    <message numerus="yes">
        <source>%n running low</source>
        <translation>
            <numerusform>%n presque vide</numerusform>
            <numerusform>%n presque vides</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n expired or expiring</source>
        <translation>
            <numerusform>%n périmé ou bientôt périmé</numerusform>
            <numerusform>%n périmés ou bientôt périmés</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Effacer</translation>
    </message>
    <message>
        <source>Capitals</source>
        <translation>Majuscules</translation>
    </message>
    <message>
        <source>Accents and signs</source>
        <translation>Accents et signes</translation>
    </message>
    <message>
        <source>Letters</source>
        <translation>Lettres</translation>
    </message>
    <message>
        <source>space</source>
        <translation>espace</translation>
    </message>
</context>
<context>
    <name>LoyaltyScreen</name>
    <message>
        <source>Scan your loyalty code</source>
        <translation>Scannez votre code fidélité</translation>
    </message>
    <message>
        <source>Open your loyalty app and hold your member QR code up to the scanner.</source>
        <translation>Ouvrez votre application de fidélité et présentez votre QR code membre au lecteur.</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>Aperçu de la caméra</translation>
    </message>
    <message>
        <source>A phone showing a QR code held to the scanner</source>
        <translation>Un téléphone affichant un QR code présenté au lecteur</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continuer</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Passer</translation>
    </message>
    <message>
        <source>Members collect points on every purchase.</source>
        <translation>Les membres cumulent des points à chaque achat.</translation>
    </message>
    <message>
        <source>Welcome, %1</source>
        <translation>Bienvenue, %1</translation>
    </message>
    <message>
        <source>%1 member</source>
        <translation>Membre %1</translation>
    </message>
    <message>
        <source>This purchase earns you 1 point.</source>
        <translation>Cet achat vous rapporte 1 point.</translation>
    </message>
    <message numerus="yes">
        <source>This purchase earns you %n points.</source>
        <translation>
            <numerusform>Cet achat vous rapporte %n point.</numerusform>
            <numerusform>Cet achat vous rapporte %n points.</numerusform>
        </translation>
    </message>
    <message>
        <source>Your points are added when you buy.</source>
        <translation>Vos points sont crédités à l’achat.</translation>
    </message>
</context>
<context>
    <name>MachineSection</name>
    <message>
        <source>Maintenance mode</source>
        <translation>Mode maintenance</translation>
    </message>
    <message>
        <source>On: shoppers see «temporarily unavailable».</source>
        <translation>Activé&#xa0;: les clients voient «&#xa0;momentanément indisponible&#xa0;».</translation>
    </message>
    <message>
        <source>Turn maintenance off</source>
        <translation>Désactiver la maintenance</translation>
    </message>
    <message>
        <source>Off: the machine is selling.</source>
        <translation>Désactivé&#xa0;: la machine vend.</translation>
    </message>
    <message>
        <source>Turn maintenance on</source>
        <translation>Activer la maintenance</translation>
    </message>
    <message>
        <source>Export to USB</source>
        <translation>Export sur clé USB</translation>
    </message>
    <message>
        <source>Writes today&apos;s sales, refills, adjustments and audit (JSON and CSV) and the logs to a new folder on the USB stick.</source>
        <translation>Écrit les ventes, recharges, ajustements et l’audit du jour (JSON et CSV) ainsi que les journaux dans un nouveau dossier de la clé USB.</translation>
    </message>
    <message>
        <source>Export now</source>
        <translation>Exporter maintenant</translation>
    </message>
    <message numerus="yes">
        <source>Written: %1 (%n file(s)).</source>
        <translation>
            <numerusform>Écrit&#xa0;: %1 (%n fichier).</numerusform>
            <numerusform>Écrit&#xa0;: %1 (%n fichiers).</numerusform>
        </translation>
    </message>
    <message>
        <source>Restart the app</source>
        <translation>Redémarrer l’application</translation>
    </message>
    <message>
        <source>The kiosk app stops and starts again; shoppers wait about a minute.</source>
        <translation>L’application de la borne s’arrête puis redémarre&#xa0;; les clients patientent environ une minute.</translation>
    </message>
    <message>
        <source>Tap again to restart</source>
        <translation>Touchez à nouveau pour redémarrer</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>Redémarrer</translation>
    </message>
    <message>
        <source>Your session</source>
        <translation>Votre session</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2).</source>
        <translation>Connecté en tant que %1 (%2).</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>Se déconnecter</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Sorry, this one is sold out.</source>
        <translation>Désolés, celui-ci est épuisé.</translation>
    </message>
    <message>
        <source>Card payments are unavailable while we are offline.</source>
        <translation>Le paiement par carte est indisponible tant que nous sommes hors ligne.</translation>
    </message>
    <message>
        <source>We are offline: this amount cannot be paid by card right now.</source>
        <translation>Nous sommes hors ligne&#xa0;: ce montant ne peut pas être réglé par carte pour le moment.</translation>
    </message>
    <message>
        <source>We could not read that loyalty code. Please try again.</source>
        <translation>Nous n’avons pas pu lire ce code fidélité. Veuillez réessayer.</translation>
    </message>
    <message>
        <source>This loyalty code has expired. Please refresh it in the app.</source>
        <translation>Ce code fidélité a expiré. Veuillez l’actualiser dans l’application.</translation>
    </message>
    <message>
        <source>This loyalty code is not valid at this machine.</source>
        <translation>Ce code fidélité n’est pas valable sur cette machine.</translation>
    </message>
    <message>
        <source>That is not a loyalty code.</source>
        <translation>Ce n’est pas un code fidélité.</translation>
    </message>
    <message>
        <source>The card reader is not ready. Please try again shortly.</source>
        <translation>Le lecteur de carte n’est pas prêt. Veuillez réessayer dans un instant.</translation>
    </message>
    <message>
        <source>Sales are paused for a moment. Please try again shortly.</source>
        <translation>Les ventes sont momentanément suspendues. Veuillez réessayer dans un instant.</translation>
    </message>
    <message>
        <source>Something went wrong. Please try again.</source>
        <translation>Un problème est survenu. Veuillez réessayer.</translation>
    </message>
    <message>
        <source>Not enough points are available. You can pay without them.</source>
        <translation>Vous n’avez pas assez de points disponibles. Vous pouvez payer sans les utiliser.</translation>
    </message>
    <message>
        <source>Points cannot be used right now. You can pay without them.</source>
        <translation>Les points ne peuvent pas être utilisés pour le moment. Vous pouvez payer sans les utiliser.</translation>
    </message>
    <message>
        <source>Temporarily unavailable</source>
        <translation>Momentanément indisponible</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>Hors service</translation>
    </message>
    <message>
        <source>Sales paused</source>
        <translation>Ventes suspendues</translation>
    </message>
    <message>
        <source>Card payments unavailable</source>
        <translation>Paiement par carte indisponible</translation>
    </message>
    <message>
        <source>A technician is looking after this machine. Back soon.</source>
        <translation>Un technicien s’occupe de cette machine. Retour très bientôt.</translation>
    </message>
    <message>
        <source>This machine cannot sell right now. Sorry!</source>
        <translation>Cette machine ne peut pas vendre pour le moment. Désolés&#x202f;!</translation>
    </message>
    <message>
        <source>We will be back in a moment.</source>
        <translation>Nous revenons dans un instant.</translation>
    </message>
    <message>
        <source>We are offline, so cards cannot be accepted. You can still discover our scents.</source>
        <translation>Nous sommes hors ligne&#xa0;: les cartes ne sont pas acceptées. Vous pouvez tout de même découvrir nos parfums.</translation>
    </message>
    <message>
        <source>Your card was declined. You were not charged.</source>
        <translation>Votre carte a été refusée. Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>No card was presented in time. You were not charged.</source>
        <translation>Aucune carte n’a été présentée à temps. Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>Payment cancelled. You were not charged.</source>
        <translation>Paiement annulé. Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>The card reader had a problem. You were not charged.</source>
        <translation>Le lecteur de carte a rencontré un problème. Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>The payment service did not answer. You were not charged.</source>
        <translation>Le service de paiement n’a pas répondu. Aucun montant n’a été débité.</translation>
    </message>
    <message>
        <source>Sorry, this perfume just ran out. Your payment has been released.</source>
        <translation>Désolés, ce parfum vient d’être épuisé. Votre paiement a été annulé.</translation>
    </message>
    <message>
        <source>Sorry, the machine could not deliver. Your payment has been released.</source>
        <translation>Désolés, la machine n’a pas pu délivrer votre achat. Votre paiement a été annulé.</translation>
    </message>
    <message>
        <source>We could not confirm the delivery. Your payment has been released and staff have been notified.</source>
        <translation>Nous n’avons pas pu confirmer la livraison. Votre paiement a été annulé et notre équipe a été prévenue.</translation>
    </message>
    <message>
        <source>Sorry, something went wrong. You were not charged.</source>
        <translation>Désolés, un problème est survenu. Aucun montant n’a été débité.</translation>
    </message>
</context>
<context>
    <name>Offers</name>
    <message>
        <source>Spray · 1 spray</source>
        <translation>Vaporisation · 1 pulvérisation</translation>
    </message>
    <message numerus="yes">
        <source>Spray · %n sprays</source>
        <translation>
            <numerusform>Vaporisation · %n pulvérisation</numerusform>
            <numerusform>Vaporisation · %n pulvérisations</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ml bottle</source>
        <translation>Flacon de %1 ml</translation>
    </message>
</context>
<context>
    <name>PageHeader</name>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>Accueil</translation>
    </message>
    <message>
        <source>Present, insert or tap your card</source>
        <translation>Présentez, insérez ou approchez votre carte</translation>
    </message>
    <message>
        <source>Use the card reader below the screen.</source>
        <translation>Utilisez le lecteur de carte situé sous l’écran.</translation>
    </message>
    <message>
        <source>Processing…</source>
        <translation>Traitement en cours…</translation>
    </message>
    <message>
        <source>Please wait a moment.</source>
        <translation>Veuillez patienter un instant.</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>Paiement accepté</translation>
    </message>
    <message>
        <source>Thank you! Your perfume is coming.</source>
        <translation>Merci&#x202f;! Votre parfum arrive.</translation>
    </message>
    <message>
        <source>Card declined</source>
        <translation>Carte refusée</translation>
    </message>
    <message>
        <source>Time is up</source>
        <translation>Temps écoulé</translation>
    </message>
    <message>
        <source>Payment cancelled</source>
        <translation>Paiement annulé</translation>
    </message>
    <message>
        <source>Payment did not go through</source>
        <translation>Le paiement n’a pas abouti</translation>
    </message>
</context>
<context>
    <name>PinPage</name>
    <message>
        <source>Choose your own PIN</source>
        <translation>Choisissez votre code PIN</translation>
    </message>
    <message>
        <source>Your one-time PIN must be replaced. Use 6 to 12 digits: not a date, a run or a repeated pattern.</source>
        <translation>Votre code PIN à usage unique doit être remplacé. Utilisez 6 à 12 chiffres&#xa0;: ni une date, ni une suite, ni un motif répété.</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>Nouveau code PIN</translation>
    </message>
    <message>
        <source>Save my PIN</source>
        <translation>Enregistrer mon code PIN</translation>
    </message>
    <message>
        <source>No technician enrolled</source>
        <translation>Aucun technicien enregistré</translation>
    </message>
    <message>
        <source>This machine has no technician yet. Enrol the first one with a provisioning file or from the middleware, then come back.</source>
        <translation>Cette machine n’a encore aucun technicien. Enregistrez le premier avec un fichier de provisionnement ou depuis le middleware, puis revenez.</translation>
    </message>
    <message>
        <source>Technician sign-in</source>
        <translation>Connexion technicien</translation>
    </message>
    <message>
        <source>Enter your technician ID and your PIN.</source>
        <translation>Saisissez votre identifiant de technicien et votre code PIN.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>Code PIN</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <source>Technician ID</source>
        <translation>Identifiant de technicien</translation>
    </message>
    <message>
        <source>New PIN again</source>
        <translation>Confirmer le nouveau code PIN</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message numerus="yes">
        <source>Locked after too many wrong PINs. Try again in %n minute(s).</source>
        <translation>
            <numerusform>Verrouillé après trop de codes PIN erronés. Réessayez dans %n minute.</numerusform>
            <numerusform>Verrouillé après trop de codes PIN erronés. Réessayez dans %n minutes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Too many attempts. Try again in %n second(s).</source>
        <translation>
            <numerusform>Trop de tentatives. Réessayez dans %n seconde.</numerusform>
            <numerusform>Trop de tentatives. Réessayez dans %n secondes.</numerusform>
        </translation>
    </message>
    <message>
        <source>Wrong ID or PIN. The next wrong PIN locks the menu for 30 minutes.</source>
        <translation>Identifiant ou code PIN erroné. Le prochain code erroné verrouille le menu pendant 30 minutes.</translation>
    </message>
    <message numerus="yes">
        <source>Wrong ID or PIN. %n attempt(s) left before a 30-minute lock.</source>
        <translation>
            <numerusform>Identifiant ou code PIN erroné. Encore %n tentative avant un verrouillage de 30 minutes.</numerusform>
            <numerusform>Identifiant ou code PIN erroné. Encore %n tentatives avant un verrouillage de 30 minutes.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProductScreen</name>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Top notes</source>
        <translation>Notes de tête</translation>
    </message>
    <message>
        <source>Heart notes</source>
        <translation>Notes de cœur</translation>
    </message>
    <message>
        <source>Base notes</source>
        <translation>Notes de fond</translation>
    </message>
    <message>
        <source>Try a spray or take a bottle home</source>
        <translation>Essayez une vaporisation ou emportez un flacon</translation>
    </message>
    <message>
        <source>Skin scent</source>
        <translation>Près de la peau</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Léger</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>Modéré</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>Soutenu</translation>
    </message>
    <message>
        <source>Intense</source>
        <translation>Intense</translation>
    </message>
    <message>
        <source>Intensity</source>
        <translation>Intensité</translation>
    </message>
    <message>
        <source>Intensity %1 of 5</source>
        <translation>Intensité %1 sur 5</translation>
    </message>
    <message>
        <source>Sold out</source>
        <translation>Épuisé</translation>
    </message>
    <message>
        <source>Spray</source>
        <translation>Vaporisation</translation>
    </message>
    <message numerus="yes">
        <source>%n spray(s) to try on your skin</source>
        <translation>
            <numerusform>%n pulvérisation à essayer sur votre peau</numerusform>
            <numerusform>%n pulvérisations à essayer sur votre peau</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ml bottle</source>
        <translation>Flacon de %1 ml</translation>
    </message>
    <message>
        <source>Yours to take home</source>
        <translation>À emporter chez vous</translation>
    </message>
</context>
<context>
    <name>ServiceMessages</name>
    <message>
        <source>The service session has ended. Sign in again.</source>
        <translation>La session de service est terminée. Reconnectez-vous.</translation>
    </message>
    <message>
        <source>Choose your own PIN first.</source>
        <translation>Choisissez d’abord votre propre code PIN.</translation>
    </message>
    <message>
        <source>A PIN is made of digits only.</source>
        <translation>Un code PIN ne contient que des chiffres.</translation>
    </message>
    <message>
        <source>A PIN has at least 6 digits.</source>
        <translation>Un code PIN compte au moins 6 chiffres.</translation>
    </message>
    <message>
        <source>A PIN has at most 12 digits.</source>
        <translation>Un code PIN compte au plus 12 chiffres.</translation>
    </message>
    <message>
        <source>This PIN is too easy to guess (a date, a run or a common PIN). Choose another.</source>
        <translation>Ce code PIN est trop facile à deviner (une date, une suite ou un code courant). Choisissez-en un autre.</translation>
    </message>
    <message>
        <source>The new PIN must differ from the one-time PIN.</source>
        <translation>Le nouveau code PIN doit différer du code à usage unique.</translation>
    </message>
    <message>
        <source>The current PIN is wrong.</source>
        <translation>Le code PIN actuel est erroné.</translation>
    </message>
    <message>
        <source>The two PINs are different. Type them again.</source>
        <translation>Les deux codes PIN sont différents. Saisissez-les de nouveau.</translation>
    </message>
    <message>
        <source>Wait before trying a PIN again.</source>
        <translation>Patientez avant de réessayer un code PIN.</translation>
    </message>
    <message>
        <source>The catalog has no perfume on this channel.</source>
        <translation>Le catalogue n’a aucun parfum sur ce canal.</translation>
    </message>
    <message>
        <source>The catalog has no bottle in this slot.</source>
        <translation>Le catalogue n’a aucun flacon dans cet emplacement.</translation>
    </message>
    <message>
        <source>Enter a valid quantity.</source>
        <translation>Saisissez une quantité valide.</translation>
    </message>
    <message>
        <source>A lot number is 1 to 32 letters, digits, dots, dashes, slashes or underscores.</source>
        <translation>Un numéro de lot compte 1 à 32 lettres, chiffres, points, tirets, barres obliques ou tirets bas.</translation>
    </message>
    <message>
        <source>Enter the expiry date.</source>
        <translation>Saisissez la date de péremption.</translation>
    </message>
    <message>
        <source>This lot has already expired: do not load it.</source>
        <translation>Ce lot est déjà périmé&#xa0;: ne le chargez pas.</translation>
    </message>
    <message>
        <source>Choose a reason.</source>
        <translation>Choisissez un motif.</translation>
    </message>
    <message>
        <source>The note is too long (200 characters at most).</source>
        <translation>La note est trop longue (200 caractères au plus).</translation>
    </message>
    <message>
        <source>The stock cannot go below zero.</source>
        <translation>Le stock ne peut pas être négatif.</translation>
    </message>
    <message>
        <source>The dispenser does not answer.</source>
        <translation>Le distributeur ne répond pas.</translation>
    </message>
    <message>
        <source>The dispenser refused the command.</source>
        <translation>Le distributeur a refusé la commande.</translation>
    </message>
    <message>
        <source>Run the calibration sprays first.</source>
        <translation>Lancez d’abord les vaporisations d’étalonnage.</translation>
    </message>
    <message>
        <source>That measure gives a dose outside 10 to 2000 µl. Measure the vial again.</source>
        <translation>Cette mesure donne une dose hors de 10 à 2000 µl. Mesurez de nouveau la fiole.</translation>
    </message>
    <message>
        <source>This transaction does not exist.</source>
        <translation>Cette transaction n’existe pas.</translation>
    </message>
    <message>
        <source>Give a reason for the refund.</source>
        <translation>Indiquez le motif du remboursement.</translation>
    </message>
    <message>
        <source>Only a paid (captured) sale can be refunded.</source>
        <translation>Seule une vente payée (capturée) peut être remboursée.</translation>
    </message>
    <message>
        <source>This refund is not allowed (more than what is left to refund, or not a sale).</source>
        <translation>Ce remboursement n’est pas autorisé (plus que le reste à rembourser, ou pas une vente).</translation>
    </message>
    <message>
        <source>This payment cannot be voided (captured or already settled).</source>
        <translation>Ce paiement ne peut pas être annulé (capturé ou déjà réglé).</translation>
    </message>
    <message>
        <source>This transaction is not waiting for a review.</source>
        <translation>Cette transaction n’attend pas de vérification.</translation>
    </message>
    <message>
        <source>Write a note (500 characters at most).</source>
        <translation>Rédigez une note (500 caractères au plus).</translation>
    </message>
    <message>
        <source>This kiosk cannot restart itself.</source>
        <translation>Cette borne ne peut pas redémarrer d’elle-même.</translation>
    </message>
    <message>
        <source>No USB stick found. Insert one and try again.</source>
        <translation>Aucune clé USB détectée. Insérez-en une et réessayez.</translation>
    </message>
    <message>
        <source>The USB stick is full.</source>
        <translation>La clé USB est pleine.</translation>
    </message>
    <message>
        <source>The USB stick is write-protected.</source>
        <translation>La clé USB est protégée en écriture.</translation>
    </message>
    <message>
        <source>The export failed. Try another USB stick.</source>
        <translation>L’export a échoué. Essayez une autre clé USB.</translation>
    </message>
    <message>
        <source>This port cannot be traced.</source>
        <translation>Ce port ne peut pas être tracé.</translation>
    </message>
    <message>
        <source>Enter a valid amount.</source>
        <translation>Saisissez un montant valide.</translation>
    </message>
    <message>
        <source>Enter a whole number of points, or leave it empty for all.</source>
        <translation>Saisissez un nombre entier de points, ou laissez vide pour tous.</translation>
    </message>
    <message>
        <source>This sale was paid only with points: give its points back.</source>
        <translation>Cette vente a été payée uniquement en points&#xa0;: rendez ses points.</translation>
    </message>
    <message>
        <source>This date does not exist.</source>
        <translation>Cette date n’existe pas.</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>livré</translation>
    </message>
    <message>
        <source>ran empty</source>
        <translation>épuisé</translation>
    </message>
    <message>
        <source>jammed</source>
        <translation>bloqué</translation>
    </message>
    <message>
        <source>door open</source>
        <translation>porte ouverte</translation>
    </message>
    <message>
        <source>refused by the board</source>
        <translation>refusé par la carte de commande</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>interrompu</translation>
    </message>
    <message>
        <source>outcome unknown</source>
        <translation>résultat inconnu</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>fermé</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>connexion en cours</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>démarrage</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>prêt</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>occupé</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>indisponible</translation>
    </message>
    <message>
        <source>fault</source>
        <translation>défaut</translation>
    </message>
    <message>
        <source>reader fault</source>
        <translation>défaut du lecteur</translation>
    </message>
    <message>
        <source>reader reset</source>
        <translation>lecteur réinitialisé</translation>
    </message>
    <message>
        <source>device replaced</source>
        <translation>appareil remplacé</translation>
    </message>
    <message>
        <source>board reset</source>
        <translation>carte de commande réinitialisée</translation>
    </message>
    <message>
        <source>scan rejected</source>
        <translation>scan refusé</translation>
    </message>
    <message>
        <source>Dispenser</source>
        <translation>Distributeur</translation>
    </message>
    <message>
        <source>Card reader</source>
        <translation>Lecteur de carte</translation>
    </message>
    <message>
        <source>Payment terminal</source>
        <translation>Terminal de paiement</translation>
    </message>
    <message>
        <source>Loyalty scanner</source>
        <translation>Lecteur de fidélité</translation>
    </message>
    <message>
        <source>holding points</source>
        <translation>réservation des points</translation>
    </message>
    <message>
        <source>points held</source>
        <translation>points réservés</translation>
    </message>
    <message>
        <source>points used offline</source>
        <translation>points utilisés hors ligne</translation>
    </message>
    <message>
        <source>points refused</source>
        <translation>points refusés</translation>
    </message>
    <message>
        <source>releasing points</source>
        <translation>libération des points</translation>
    </message>
    <message>
        <source>points released</source>
        <translation>points libérés</translation>
    </message>
    <message>
        <source>payment started</source>
        <translation>paiement lancé</translation>
    </message>
    <message>
        <source>authorizing</source>
        <translation>autorisation en cours</translation>
    </message>
    <message>
        <source>authorized</source>
        <translation>autorisé</translation>
    </message>
    <message>
        <source>accepted offline</source>
        <translation>accepté hors ligne</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>refusé</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
    <message>
        <source>dispensing</source>
        <translation>distribution en cours</translation>
    </message>
    <message>
        <source>dispensed</source>
        <translation>distribué</translation>
    </message>
    <message>
        <source>dispense failed</source>
        <translation>distribution échouée</translation>
    </message>
    <message>
        <source>capturing</source>
        <translation>capture en cours</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>payé</translation>
    </message>
    <message>
        <source>voiding</source>
        <translation>annulation de l’autorisation</translation>
    </message>
    <message>
        <source>voided</source>
        <translation>autorisation annulée</translation>
    </message>
    <message>
        <source>refund on the reader</source>
        <translation>remboursement sur le lecteur</translation>
    </message>
    <message>
        <source>refunded by the reader</source>
        <translation>remboursé par le lecteur</translation>
    </message>
    <message>
        <source>needs review</source>
        <translation>à vérifier</translation>
    </message>
    <message>
        <source>review resolved</source>
        <translation>vérification close</translation>
    </message>
    <message>
        <source>refund requested</source>
        <translation>remboursement demandé</translation>
    </message>
    <message>
        <source>refunded</source>
        <translation>remboursé</translation>
    </message>
    <message>
        <source>Damaged</source>
        <translation>Endommagé</translation>
    </message>
    <message>
        <source>Count correction</source>
        <translation>Correction de comptage</translation>
    </message>
    <message>
        <source>Theft</source>
        <translation>Vol</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Périmé</translation>
    </message>
    <message>
        <source>low</source>
        <translation>niveau bas</translation>
    </message>
    <message>
        <source>expires soon</source>
        <translation>bientôt périmé</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>périmé</translation>
    </message>
    <message>
        <source>card reader</source>
        <translation>lecteur de carte</translation>
    </message>
    <message>
        <source>card, authorized online</source>
        <translation>carte, autorisée en ligne</translation>
    </message>
    <message>
        <source>card, accepted offline</source>
        <translation>carte, acceptée hors ligne</translation>
    </message>
</context>
<context>
    <name>ServiceOverlay</name>
    <message>
        <source>Service menu</source>
        <translation>Menu de service</translation>
    </message>
    <message>
        <source>Change language</source>
        <translation>Changer de langue</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>Stock</translation>
    </message>
    <message>
        <source>Tests</source>
        <translation>Tests</translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnostic</translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation>Transactions</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>Machine</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Ready. Every action is recorded with your ID.</source>
        <translation>Prêt. Chaque action est enregistrée avec votre identifiant.</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>En cours…</translation>
    </message>
    <message numerus="yes">
        <source>%n bottle(s)</source>
        <translation>
            <numerusform>%n flacon</numerusform>
            <numerusform>%n flacons</numerusform>
        </translation>
    </message>
    <message>
        <source>Refill recorded: %1 (now %2).</source>
        <translation>Recharge enregistrée&#xa0;: %1 (désormais %2).</translation>
    </message>
    <message>
        <source>Adjustment recorded: %1 (now %2).</source>
        <translation>Ajustement enregistré&#xa0;: %1 (désormais %2).</translation>
    </message>
    <message numerus="yes">
        <source>Test spray on channel %1: %2, %n dose(s).</source>
        <translation>
            <numerusform>Test de vaporisation, canal %1&#xa0;: %2, %n dose.</numerusform>
            <numerusform>Test de vaporisation, canal %1&#xa0;: %2, %n doses.</numerusform>
        </translation>
    </message>
    <message>
        <source>Test drop from slot %1: %2.</source>
        <translation>Test de chute, emplacement %1&#xa0;: %2.</translation>
    </message>
    <message numerus="yes">
        <source>Calibration: %n dose(s) sprayed. Measure the vial and enter the volume.</source>
        <translation>
            <numerusform>Étalonnage&#xa0;: %n dose vaporisée. Mesurez la fiole et saisissez le volume.</numerusform>
            <numerusform>Étalonnage&#xa0;: %n doses vaporisées. Mesurez la fiole et saisissez le volume.</numerusform>
        </translation>
    </message>
    <message>
        <source>Channel %1 calibrated: %2 µl per dose (was %3 µl).</source>
        <translation>Canal %1 étalonné&#xa0;: %2 µl par dose (avant&#xa0;: %3 µl).</translation>
    </message>
    <message numerus="yes">
        <source>%n point(s) given back to the member.</source>
        <translation>
            <numerusform>%n point rendu au membre.</numerusform>
            <numerusform>%n points rendus au membre.</numerusform>
        </translation>
    </message>
    <message>
        <source>Refund of %1 requested.</source>
        <translation>Remboursement de %1 demandé.</translation>
    </message>
    <message>
        <source>Void requested: the card hold will be released.</source>
        <translation>Annulation demandée&#xa0;: la réservation sur la carte sera libérée.</translation>
    </message>
    <message>
        <source>Review closed with your note.</source>
        <translation>Vérification close avec votre note.</translation>
    </message>
    <message>
        <source>Maintenance mode is on: shoppers see «temporarily unavailable».</source>
        <translation>Mode maintenance activé&#xa0;: les clients voient «&#xa0;momentanément indisponible&#xa0;».</translation>
    </message>
    <message>
        <source>Maintenance mode is off: the machine sells again.</source>
        <translation>Mode maintenance désactivé&#xa0;: la machine vend de nouveau.</translation>
    </message>
    <message>
        <source>Restarting the kiosk…</source>
        <translation>Redémarrage de la borne…</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n file(s) to %1.</source>
        <translation>
            <numerusform>%n fichier exporté vers %1.</numerusform>
            <numerusform>%n fichiers exportés vers %1.</numerusform>
        </translation>
    </message>
    <message>
        <source>Your new PIN is saved.</source>
        <translation>Votre nouveau code PIN est enregistré.</translation>
    </message>
</context>
<context>
    <name>StockForm</name>
    <message>
        <source>Now %1 (dose %2 µl) · lots: %3</source>
        <translation>Actuellement %1 (dose %2 µl) · lots&#xa0;: %3</translation>
    </message>
    <message numerus="yes">
        <source>Now %n bottle(s) · lots: %1</source>
        <translation>
            <numerusform>Actuellement %n flacon · lots&#xa0;: %1</numerusform>
            <numerusform>Actuellement %n flacons · lots&#xa0;: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Refill</source>
        <translation>Recharger</translation>
    </message>
    <message>
        <source>Adjust</source>
        <translation>Ajuster</translation>
    </message>
    <message>
        <source>Quantity (ml)</source>
        <translation>Quantité (ml)</translation>
    </message>
    <message>
        <source>Quantity (bottles)</source>
        <translation>Quantité (flacons)</translation>
    </message>
    <message>
        <source>Added (ml)</source>
        <translation>Ajouté (ml)</translation>
    </message>
    <message>
        <source>Bottles added</source>
        <translation>Flacons ajoutés</translation>
    </message>
    <message>
        <source>Lot number</source>
        <translation>Numéro de lot</translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation>Date de péremption</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>Note (facultative)</translation>
    </message>
    <message>
        <source>Confirm refill</source>
        <translation>Confirmer la recharge</translation>
    </message>
    <message>
        <source>Confirm adjustment</source>
        <translation>Confirmer l’ajustement</translation>
    </message>
</context>
<context>
    <name>StockSection</name>
    <message>
        <source>Tap a channel or a slot to refill it or adjust its count.</source>
        <translation>Touchez un canal ou un emplacement pour le recharger ou corriger son stock.</translation>
    </message>
    <message>
        <source>Channel %1</source>
        <translation>Canal %1</translation>
    </message>
    <message>
        <source>Slot %1</source>
        <translation>Emplacement %1</translation>
    </message>
</context>
<context>
    <name>TestPage</name>
    <message>
        <source>Test spray</source>
        <translation>Test de vaporisation</translation>
    </message>
    <message>
        <source>Spray now</source>
        <translation>Vaporiser</translation>
    </message>
    <message>
        <source>Doses</source>
        <translation>Doses</translation>
    </message>
    <message>
        <source>Doses into the vial</source>
        <translation>Doses dans la fiole</translation>
    </message>
    <message>
        <source>Test drop</source>
        <translation>Test de chute</translation>
    </message>
    <message>
        <source>Drops one bottle into the tray. It is not a sale.</source>
        <translation>Fait tomber un flacon dans le bac. Ce n’est pas une vente.</translation>
    </message>
    <message>
        <source>Drop a bottle</source>
        <translation>Faire tomber un flacon</translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation>Étalonnage</translation>
    </message>
    <message>
        <source>1. Put the measuring vial under the nozzle.
2. Spray the doses.
3. Read the vial and enter the volume.
4. Apply.</source>
        <translation>1. Placez la fiole graduée sous la buse.
2. Vaporisez les doses.
3. Lisez la fiole et saisissez le volume.
4. Appliquez.</translation>
    </message>
    <message>
        <source>Current dose: %1 µl</source>
        <translation>Dose actuelle&#xa0;: %1 µl</translation>
    </message>
    <message>
        <source>Spray the doses</source>
        <translation>Vaporiser les doses</translation>
    </message>
    <message>
        <source>Measured volume (ml)</source>
        <translation>Volume mesuré (ml)</translation>
    </message>
    <message>
        <source>Apply calibration</source>
        <translation>Appliquer l’étalonnage</translation>
    </message>
</context>
<context>
    <name>TestsSection</name>
    <message>
        <source>Tap a channel to test or calibrate it, or a slot to test a drop.</source>
        <translation>Touchez un canal pour le tester ou l’étalonner, ou un emplacement pour tester une chute.</translation>
    </message>
    <message>
        <source>Channel %1</source>
        <translation>Canal %1</translation>
    </message>
    <message>
        <source>Slot %1</source>
        <translation>Emplacement %1</translation>
    </message>
</context>
<context>
    <name>Tiers</name>
    <message>
        <source>Classic</source>
        <translation>Classique</translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation>Bronze</translation>
    </message>
    <message>
        <source>Silver</source>
        <translation>Argent</translation>
    </message>
    <message>
        <source>Gold</source>
        <translation>Or</translation>
    </message>
    <message>
        <source>Platinum</source>
        <translation>Platine</translation>
    </message>
    <message>
        <source>VIP</source>
        <translation>VIP</translation>
    </message>
</context>
<context>
    <name>TraceView</name>
    <message>
        <source>Live hex trace</source>
        <translation>Trace hexadécimale en direct</translation>
    </message>
    <message>
        <source>Choose a port, then start: every byte in and out shows here.</source>
        <translation>Choisissez un port, puis démarrez&#xa0;: chaque octet entrant et sortant s’affiche ici.</translation>
    </message>
    <message>
        <source>No port can be traced on this kiosk.</source>
        <translation>Aucun port ne peut être tracé sur cette borne.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Démarrer</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Effacer</translation>
    </message>
</context>
<context>
    <name>TransactionPage</name>
    <message>
        <source>Refund</source>
        <translation>Rembourser</translation>
    </message>
    <message>
        <source>Amount to refund</source>
        <translation>Montant à rembourser</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>Give the points back</source>
        <translation>Rendre les points</translation>
    </message>
    <message>
        <source>Points to give back (empty: all %1)</source>
        <translation>Points à rendre (vide&#xa0;: les %1)</translation>
    </message>
    <message>
        <source>Give these points back</source>
        <translation>Rendre ces points</translation>
    </message>
    <message>
        <source>Refund this amount</source>
        <translation>Rembourser ce montant</translation>
    </message>
    <message>
        <source>Void</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Releases the card authorization: the shopper is not charged.</source>
        <translation>Libère l’autorisation de la carte&#xa0;: le client n’est pas débité.</translation>
    </message>
    <message>
        <source>Void the payment</source>
        <translation>Annuler le paiement</translation>
    </message>
    <message>
        <source>Manual review</source>
        <translation>Vérification manuelle</translation>
    </message>
    <message>
        <source>What you found and did</source>
        <translation>Ce que vous avez constaté et fait</translation>
    </message>
    <message>
        <source>Close the review</source>
        <translation>Clore la vérification</translation>
    </message>
</context>
<context>
    <name>TransactionsSection</name>
    <message numerus="yes">
        <source>Waiting for a review (%n)</source>
        <translation>
            <numerusform>En attente de vérification (%n)</numerusform>
            <numerusform>En attente de vérification (%n)</numerusform>
        </translation>
    </message>
    <message>
        <source>Recent transactions</source>
        <translation>Transactions récentes</translation>
    </message>
    <message>
        <source>No transaction yet.</source>
        <translation>Aucune transaction pour l’instant.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Remboursement</translation>
    </message>
    <message>
        <source>refunded %1</source>
        <translation>remboursé %1</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>État&#xa0;: %1</translation>
    </message>
    <message>
        <source>Transaction: %1</source>
        <translation>Transaction&#xa0;: %1</translation>
    </message>
    <message>
        <source>Paid with: %1</source>
        <translation>Payé avec&#xa0;: %1</translation>
    </message>
    <message>
        <source>Refund of: %1</source>
        <translation>Remboursement de&#xa0;: %1</translation>
    </message>
    <message>
        <source>Already refunded: %1</source>
        <translation>Déjà remboursé&#xa0;: %1</translation>
    </message>
    <message>
        <source>Product delivered</source>
        <translation>Produit livré</translation>
    </message>
    <message>
        <source>Product not delivered</source>
        <translation>Produit non livré</translation>
    </message>
    <message>
        <source>Nothing to do on this transaction.</source>
        <translation>Rien à faire sur cette transaction.</translation>
    </message>
</context>
<context>
    <name>UnavailableScreen</name>
    <message>
        <source>One moment, please</source>
        <translation>Un instant, s’il vous plaît</translation>
    </message>
    <message>
        <source>We will be right with you.</source>
        <translation>Nous sommes à vous tout de suite.</translation>
    </message>
</context>
</TS>
